# One command surface for people and CI: build, data, demo, test, bench.
# Every target installs what it needs on a fresh Debian machine (see scripts/).

.PHONY: build data demo test bench martin-check
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

# martin serves the exported archives byte for byte as citygrid serves its tiles.
# Not in test: the first run installs martin (15-20 min).
martin-check:
	scripts/martin.sh
