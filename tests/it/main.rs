//! Cross-crate integration tests: the crates and the `citygrid` command working
//! together on real and generated data. Each module's name reads as a sentence.

mod building_a_partition;
mod exporting_cells_for_gis;
mod fix_repairs_damaged_districts;
mod guiyang_districts_check_clean;
mod outputs_appear_whole_or_not_at_all;
mod support;
mod the_bundled_guiyang_partition;
mod the_citygrid_command;
mod the_generated_population_raster;
mod topology_of_generated_cities;
