# One command surface for people and CI: build, demo, test, bench.
# Every target installs what it needs on a fresh Debian machine (see scripts/).

.PHONY: build demo test bench
build:
	cargo build -j2 --release -p citygrid

demo:
	scripts/demo.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh
