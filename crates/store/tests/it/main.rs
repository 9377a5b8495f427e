//! The store on real files and a real PostgreSQL, no mocks: each module's name reads
//! as a sentence. Tests of the Store trait run on every backend `support::backends`
//! gives (PostGIS when CITYGRID_TEST_POSTGRES names a cluster: `scripts/postgres.sh`).

mod a_partition_round_trips;
mod concurrent_committers_never_both_win;
mod datasets_keep_what_was_written;
mod one_database_is_shared_safely;
mod refused_commits_change_nothing;
mod sql_users_see_the_head_in_views;
mod support;
mod the_layers_follow_the_head;
mod tokens_keep_only_hashes;
mod versions_hold_what_was_committed;
