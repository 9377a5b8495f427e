//! The staff registry: the people who look after cells, so a report found in a
//! cell can be sent to them.

use std::fmt;

use crate::code::UnitCode;

/// What a person does for the cells they serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StaffRole {
    /// 网格长: answers for the cells.
    CellHead,
    /// 网格员: walks the cells, collects and handles reports.
    CellWorker,
    /// 网格警员: the police officer for the cells.
    CellPolice,
    /// A government department's contact for the cells.
    DepartmentContact,
}

impl StaffRole {
    /// Every role, in dispatch order (who is called first).
    pub const ALL: [StaffRole; 4] = [
        StaffRole::CellHead,
        StaffRole::CellWorker,
        StaffRole::CellPolice,
        StaffRole::DepartmentContact,
    ];

    /// The name in files, JSON and the store.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::CellHead => "cell_head",
            StaffRole::CellWorker => "cell_worker",
            StaffRole::CellPolice => "cell_police",
            StaffRole::DepartmentContact => "department_contact",
        }
    }

    /// The role named `name` (as [`StaffRole::as_str`] writes it).
    #[must_use]
    pub fn parse(name: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for StaffRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One person of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// A stable identifier (an employee number), unique in the registry.
    pub id: String,
    /// The person's name.
    pub name: String,
    /// What they do.
    pub role: StaffRole,
    /// How to reach them.
    pub phone: String,
    /// The cells they serve (one person may serve several; a cell has several people).
    pub cells: Vec<UnitCode>,
}
