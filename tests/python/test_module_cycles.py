"""scripts/module_cycles.py on small crates written here: it finds import cycles
between modules, and only real ones (not comments, strings, tests or
re-exports)."""

import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "module_cycles.py"


def crate(root, files):
    for name, text in files.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def check(*args):
    p = subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True)
    return p.returncode, p.stdout


def test_a_cycle_is_printed_and_fails(tmp_path):
    c = crate(tmp_path / "c", {
        "lib.rs": "pub mod a;\npub mod b;\npub mod c;\npub use a::A;\n",
        "a.rs": 'use crate::b::B;\nconst S: &str = "crate::c::C";\npub struct A(B);\n',
        # Comments, test modules and *_tests.rs files name what they like.
        "b.rs": "use super::{a::A, c};\n// crate::c::C\npub struct B;\n"
                "#[cfg(test)]\nmod tests {\n    use crate::c::C;\n}\n",
        "c.rs": "pub struct C;\n",
        "c_tests.rs": "use crate::a::A;\n",
    })
    code, out = check(c)
    assert code == 1
    assert out.strip().endswith("cycle: a -> b -> a"), out


def test_a_parent_using_its_child_and_the_child_its_sibling_is_no_cycle(tmp_path):
    c = crate(tmp_path / "c", {
        "lib.rs": "mod routes;\nmod state;\nmod server;\n",
        "state.rs": "pub struct State;\n",
        "routes/mod.rs": "mod cells;\nmod params;\npub fn router() { cells::router(); }\n",
        "routes/cells.rs": "use crate::state::State;\nuse super::params::limit;\npub fn router() {}\n",
        "routes/params.rs": "pub fn limit() {}\n",
        "server.rs": "use crate::{routes, state::State};\n",
    })
    assert check(c) == (0, "")
    # The helpers back in routes/mod.rs: routes <-> routes::cells.
    (c / "src/routes/cells.rs").write_text("use crate::routes::limit;\n")
    code, out = check(c)
    assert code == 1 and "routes -> routes::cells -> routes" in out, out
