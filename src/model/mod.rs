//! What a check is measured against: the outcome [`framework`], the trainee's
//! [`portfolio`] settings, and the statutory [`deadline`] they imply.

pub mod deadline;
pub mod framework;
pub mod portfolio;
pub mod reflective;
pub mod settings;
