use citygrid_model::Level;
use citygrid_store::{Role, StoreError};

use crate::support::{Backend, backends, city, sql};

#[test]
fn tokens_verify_until_revoked_and_only_their_hash_is_stored() {
    for backend in backends() {
        only_hashes(backend);
    }
}

fn only_hashes(backend: Backend) {
    let partition = city(6, 60);
    let f = backend.fresh(&partition);
    let store = &f.store;
    let first = |level| {
        partition
            .level_ids(level)
            .next()
            .map(|id| partition.unit(id).code.clone())
            .unwrap()
    };
    let district = first(Level::District);

    let (viewer, viewer_secret) = store
        .create_token("wall screen", Role::Viewer, None)
        .unwrap();
    let (editor, editor_secret) = store
        .create_token("南明 editor", Role::Editor, Some(district.clone()))
        .unwrap();
    let (_, admin_secret) = store.create_token("admin", Role::Admin, None).unwrap();
    assert_eq!(
        (editor.role, editor.district.clone()),
        (Role::Editor, Some(district.clone()))
    );
    assert_eq!(
        store.verify_token(&viewer_secret).unwrap(),
        Some(viewer.clone())
    );
    assert_eq!(
        store.verify_token(&editor_secret).unwrap(),
        Some(editor.clone())
    );
    assert_eq!(
        store.verify_token(&admin_secret).unwrap().map(|t| t.role),
        Some(Role::Admin)
    );
    assert_eq!(store.verify_token("cg_0000").unwrap(), None);

    let revoked = store.revoke_token("南明 editor").unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(store.verify_token(&editor_secret).unwrap(), None);
    assert_eq!(
        store.revoke_token("南明 editor").unwrap(),
        revoked,
        "revoking again changes nothing"
    );
    let listed: Vec<_> = store
        .tokens()
        .unwrap()
        .into_iter()
        .map(|t| (t.name, t.revoked_at.is_some()))
        .collect();
    assert_eq!(
        listed,
        [
            ("admin".to_string(), false),
            ("wall screen".to_string(), false),
            ("南明 editor".to_string(), true)
        ]
    );

    // Only the hashes are in the file (and its write-ahead log), or the database.
    let bytes = match backend {
        Backend::Sqlite => {
            let path = f.path();
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(path.with_extension("gpkg-wal")).unwrap_or_default());
            bytes
        }
        Backend::Postgis => every_row(&mut sql(&f)).into_bytes(),
    };
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    for secret in [&viewer_secret, &editor_secret, &admin_secret] {
        assert!(!contains(secret), "a secret is stored in the file");
        assert!(
            !contains(&secret[3..]),
            "a secret's random part is stored in the file"
        );
    }
    assert!(contains("wall screen"));
}

/// Every row of every table in the database, as text.
fn every_row(client: &mut postgres::Client) -> String {
    let tables: Vec<String> = client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut all = String::new();
    for table in tables {
        for row in client
            .query(&format!("SELECT t::text FROM \"{table}\" t"), &[])
            .unwrap()
        {
            all.push_str(&row.get::<_, String>(0));
        }
    }
    all
}

#[test]
fn tokens_that_make_no_sense_are_refused() {
    for backend in backends() {
        nonsense_tokens(backend);
    }
}

fn nonsense_tokens(backend: Backend) {
    let partition = city(6, 60);
    let f = backend.fresh(&partition);
    let store = &f.store;
    let township = partition
        .level_ids(Level::Township)
        .next()
        .map(|id| partition.unit(id).code.clone())
        .unwrap();
    let district = partition
        .unit(partition.level_ids(Level::District).next().unwrap())
        .code
        .clone();
    store.create_token("alice", Role::Editor, None).unwrap();
    store.revoke_token("alice").unwrap();
    let refused = |name: &str, role, d: Option<&citygrid_model::UnitCode>| {
        let e = store.create_token(name, role, d.cloned()).unwrap_err();
        assert!(matches!(e, StoreError::TokenRefused { .. }), "{e}");
        e.to_string()
    };
    assert!(refused("alice", Role::Viewer, None).contains("names are never reused"));
    assert!(refused("bob", Role::Editor, Some(&township)).contains("is not a district"));
    assert!(refused("root", Role::Admin, Some(&district)).contains("admin"));
    assert!(refused("", Role::Viewer, None).contains("empty"));
    let e = store.revoke_token("nobody").unwrap_err();
    assert!(
        matches!(e, StoreError::UnknownToken { .. }) && e.to_string().contains("\"nobody\""),
        "{e}"
    );
}
