# One command surface for people and CI: build, data, demo, test, bench.
# Every target installs what it needs on a fresh Debian machine (see scripts/).

.PHONY: build data demo test bench
build:
	cargo build -j2 --release -p citygrid

data:
	scripts/data.sh

demo:
	scripts/demo.sh

test:
	scripts/test.sh

bench:
	scripts/bench.sh
