//! Cross-crate integration tests: the crates and the `citygrid` command working
//! together on real and generated data. Each module's name reads as a sentence.

mod fix_repairs_damaged_districts;
mod guiyang_districts_check_clean;
mod the_citygrid_command;
mod topology_of_generated_cities;
