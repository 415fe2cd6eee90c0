//! What a check is measured against: the outcome [`framework`], the trainee's
//! [`portfolio`] settings, the statutory [`deadline`] they imply, and the kinds of
//! evidence ([`evidence_type`]).

pub mod deadline;
pub(crate) mod evidence_type;
pub mod framework;
pub mod interchange;
pub mod portfolio;
pub mod reflective;
pub mod settings;
