//! `citygrid serve --store` in a process of its own, while this process commits to
//! the same store file: each commit (an attribute, then two cells swapping shapes)
//! is served within a second; from a GeoPackage file, and from a PostGIS
//! database (issue 18).

use std::time::Duration;

use geo::InteriorPoint;

use citygrid_model::{AttrValue, Level};
use citygrid_store::Commit;

use crate::support::{Backend, Server, generated_store_on, get, until};

#[test]
fn a_server_serves_what_another_process_commits_within_a_second() {
    follows(Backend::GeoPackage);
}

#[test]
fn a_server_serves_what_another_process_commits_to_postgis_within_a_second() {
    follows(Backend::Postgis);
}

fn follows(backend: Backend) {
    let Some((at, store)) = generated_store_on(backend, "followed.gpkg", 5, 60) else {
        return;
    };
    let partition = store.load(1).unwrap();
    let server = Server::start(&at.location);
    let port = server.port;
    until(port, "/readyz", |v| v["version"] == 1);

    let cells: Vec<_> = partition
        .level_ids(Level::Cell)
        .map(|id| partition.unit(id).as_ref().clone())
        .collect();
    let (a, b) = (cells[0].clone(), cells[1].clone());
    let inside = a.geometry.interior_point().unwrap();
    let lookup = format!("/v1/lookup?lon={}&lat={}", inside.x(), inside.y());

    let more = a
        .clone()
        .with_attribute("households", AttrValue::Number(4321.0));
    store
        .commit(Commit::new(1, "tester", "more households").upsert(more.clone()))
        .unwrap();
    let took = until(port, &lookup, |v| {
        v["cell"]["attributes"]["households"] == 4321
    });
    assert!(
        took < Duration::from_secs(1),
        "an attribute: {took:?}: {}",
        server.log()
    );

    let (mut a2, mut b2) = (more, b.clone());
    std::mem::swap(&mut a2.geometry, &mut b2.geometry);
    store
        .commit(
            Commit::new(2, "tester", "a and b swap")
                .upsert(a2)
                .upsert(b2),
        )
        .unwrap();
    let took = until(port, &lookup, |v| v["cell"]["code"] == b.code.as_str());
    assert!(
        took < Duration::from_secs(1),
        "a swap: {took:?}: {}",
        server.log()
    );
    println!("{backend:?}: served {took:?} after the commit");
    let (_, answer) = get(port, &lookup).unwrap();
    assert_eq!(answer["version"], 3);
}
