//! Cross-crate integration tests: the crates and the `citygrid` command working
//! together on real and generated data. Each module's name reads as a sentence.

mod guiyang_districts_check_clean;
mod the_citygrid_command;
mod the_generated_population_raster;
mod topology_of_generated_cities;
