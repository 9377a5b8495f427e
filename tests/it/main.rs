//! Cross-crate integration tests: the crates and the `citygrid` command working
//! together on real and generated data. Each module's name reads as a sentence.

mod a_killed_server_loses_no_acknowledged_edit;
mod a_killed_store_writer_loses_nothing;
mod a_server_follows_commits_of_other_processes;
mod a_store_from_the_command_line;
mod a_version_snapshot_holds_the_tiles_servers_serve;
mod an_edited_export_commits_as_one_version;
mod building_a_partition;
mod editors_racing_over_http_never_both_win;
mod exporting_cells_for_gis;
mod fix_repairs_damaged_districts;
mod guiyang_districts_check_clean;
mod guiyang_round_trips_through_a_store;
mod outputs_appear_whole_or_not_at_all;
mod rival_processes_never_both_commit;
mod serve_refuses_what_check_rejects;
mod several_servers_on_one_database;
mod support;
mod the_bundled_guiyang_partition;
mod the_citygrid_command;
mod the_generated_population_raster;
mod topology_of_generated_cities;
