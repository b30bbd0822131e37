//! The service layer: business rules and queries, called by server functions
//! and by tests, with no Leptos or HTTP in sight.

pub mod posts;
