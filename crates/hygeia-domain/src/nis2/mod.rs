//! NIS2 applicability: entity types of Annexes I and II and the essential / important / out of
//! scope classification with its reasoning.
