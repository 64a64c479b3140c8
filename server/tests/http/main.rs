//! The server's HTTP tests, in one test binary: most start the app in-process on port 0
//! (`support::InProcess`); those that kill, restart or read the log of a process, or need the
//! distributed stack, start the real binaries through `testkit`.

mod support;

mod accounts;
mod bodyweight;
mod bulk;
mod connections;
mod data;
mod deployment;
mod editor;
mod edits;
mod embedded;
mod hostile;
mod openapi;
mod ordering;
mod page_scripts;
mod pages;
mod pipeline;
mod proxy;
mod read_model;
mod tls;
mod training;
