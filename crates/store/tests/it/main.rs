//! The SQLite store on real files, no mocks: each module's name reads as a sentence.

mod a_partition_round_trips;
mod concurrent_committers_never_both_win;
mod datasets_keep_what_was_written;
mod refused_commits_change_nothing;
mod support;
mod the_layers_follow_the_head;
mod tokens_keep_only_hashes;
mod versions_hold_what_was_committed;
