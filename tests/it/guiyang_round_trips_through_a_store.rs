//! The bundled Guiyang (5,906 cells and the units above them) into a store and back:
//! every unit equal, every coordinate bit for bit.

use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{CodeLayout, Partition};

use crate::support::{guiyang, tmp};

#[test]
fn the_bundled_guiyang_loads_back_from_a_store_bit_for_bit() {
    let units = read_units(&guiyang("partition.geojson.gz"), &ReadOptions::default())
        .unwrap()
        .units;
    let partition = Partition::new(units, CodeLayout::default()).unwrap();
    let path = tmp("guiyang.gpkg");
    let store =
        citygrid_store::init(path.to_str().unwrap(), &partition, "tests", "Guiyang").unwrap();
    let loaded = store.load(1).unwrap();
    assert_eq!(loaded.units().len(), partition.units().len());
    for (got, want) in loaded.units().iter().zip(partition.units()) {
        assert_eq!(**got, **want, "{}", want.code);
        let bits = |u: &citygrid_model::Unit| -> Vec<u64> {
            u.geometry
                .0
                .iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(|r| r.0.iter().flat_map(|c| [c.x.to_bits(), c.y.to_bits()]))
                .collect()
        };
        assert_eq!(bits(got), bits(want), "{}", want.code);
    }
    drop(store);
    // 15 MB: not left behind when the test passes.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
