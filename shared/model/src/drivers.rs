//! The driver registry: the 21 drivers of `/driverlist` (plus the unregistered
//! `simplenummanager`), their types, class paths, parents, behaviours and default properties.
//!
//! A driver decides an entity's type (copied at creation), which containment rule applies
//! when something is inserted into it, whether it manages resources, and which properties
//! it stores at creation. "Driver X is a Y" is class inheritance through `parent`.

use std::collections::BTreeMap;

/// What kind of container a driver is, for the insert rules of `clusto-model.md` §4.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerRule {
    /// Refuses an entity that already has any container.
    Plain,
    /// `location` and subclasses: refuses an entity already in a container of the same driver.
    Location,
    /// `basicrack`: needs a rack unit, which the API cannot pass.
    Rack,
    /// `pool`: refuses members and entities in an exclusive pool.
    Pool,
    /// `unique_pool`: also refuses entities in another unique pool.
    UniquePool,
    /// `exclusive_pool`: refuses entities that are in any pool at all.
    ExclusivePool,
}

/// How a resource manager allocates, and the attribute name it records allocations under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerKind {
    /// `resourcemanager`: no allocator; explicit resources only (attr `resource`).
    Base,
    /// `simplenamemanager` (attr `simplename`).
    Name,
    /// `simpleentitynamemanager`: creates entities, records nothing.
    EntityName,
    /// `simplenummanager` (attr `simplenum`), library only.
    Num,
    /// `ipmanager` (attr `ip`).
    Ip,
}

impl ManagerKind {
    /// The attribute key allocations are recorded under.
    pub fn attr(self) -> &'static str {
        match self {
            ManagerKind::Base => "resource",
            ManagerKind::Name | ManagerKind::EntityName => "simplename",
            ManagerKind::Num => "simplenum",
            ManagerKind::Ip => "ip",
        }
    }
}

/// A default property value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropDefault {
    /// A string default.
    Str(&'static str),
    /// An integer default.
    Int(i64),
    /// A string property with no default (written only when given).
    NoneStr,
    /// An integer property with no default (written only when given).
    NoneInt,
}

/// One registered (or library-only) driver.
#[derive(Debug, PartialEq, Eq)]
pub struct Driver {
    /// Driver name, e.g. `basicserver`.
    pub name: &'static str,
    /// The type copied to entities at creation, e.g. `server`.
    pub type_name: &'static str,
    /// Fully qualified class path shown by `/driverlist` and `/typelist`.
    pub class_path: &'static str,
    /// Parent driver (`None` for the root driver `entity`).
    pub parent: Option<&'static str>,
    /// Containment rule when something is inserted into an entity of this driver.
    pub container: ContainerRule,
    /// Resource manager behaviour, if this is a resource manager.
    pub manager: Option<ManagerKind>,
    /// Whether the expanded view shows `ips`.
    pub has_ips: bool,
    /// Properties stored at creation, in declaration order.
    pub properties: &'static [(&'static str, PropDefault)],
    /// Listed by `/driverlist` (false only for `simplenummanager`).
    pub registered: bool,
}

impl Driver {
    /// The class name (last segment of the class path), for Python-style reprs.
    pub fn class_name(&self) -> &'static str {
        self.class_path
            .rsplit('.')
            .next()
            .unwrap_or(self.class_path)
    }

    /// Whether this driver is `ancestor` or inherits from it.
    pub fn is_a(&self, ancestor: &str) -> bool {
        let mut current = Some(self);
        while let Some(d) = current {
            if d.name == ancestor {
                return true;
            }
            current = d.parent.and_then(lookup);
        }
        false
    }

    /// Whether entities of this driver are pools (`pool`, `unique_pool`, `exclusive_pool`).
    pub fn is_pool(&self) -> bool {
        self.is_a("pool")
    }

    /// The default of a declared property.
    pub fn property(&self, name: &str) -> Option<PropDefault> {
        self.properties
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| *d)
    }
}

const NO_PROPS: &[(&str, PropDefault)] = &[];
const NAME_PROPS: &[(&str, PropDefault)] = &[
    ("basename", PropDefault::Str("")),
    ("digits", PropDefault::Int(2)),
    ("leadingZeros", PropDefault::Int(1)),
    ("next", PropDefault::Int(1)),
];

macro_rules! driver {
    ($name:literal, $type:literal, $path:literal, $parent:expr, $rule:ident, $mgr:expr, $ips:literal, $props:expr) => {
        Driver {
            name: $name,
            type_name: $type,
            class_path: $path,
            parent: $parent,
            container: ContainerRule::$rule,
            manager: $mgr,
            has_ips: $ips,
            properties: $props,
            registered: true,
        }
    };
}

/// Every driver, in clusto's registration order (which decides `/typelist`).
pub static DRIVERS: &[Driver] = &[
    driver!(
        "entity",
        "generic",
        "clusto.drivers.base.driver.Driver",
        None,
        Plain,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "clustometa",
        "clustometa",
        "clusto.drivers.base.clustometa.ClustoMeta",
        Some("entity"),
        Plain,
        None,
        false,
        &[("schemaversion", PropDefault::Int(3))]
    ),
    driver!(
        "device",
        "generic",
        "clusto.drivers.base.device.Device",
        Some("entity"),
        Plain,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "location",
        "location",
        "clusto.drivers.base.location.Location",
        Some("entity"),
        Location,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "resourcemanager",
        "resourcemanager",
        "clusto.drivers.base.resourcemanager.ResourceManager",
        Some("entity"),
        Plain,
        Some(ManagerKind::Base),
        false,
        NO_PROPS
    ),
    driver!(
        "pool",
        "pool",
        "clusto.drivers.categories.pool.Pool",
        Some("entity"),
        Pool,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "exclusive_pool",
        "pool",
        "clusto.drivers.categories.pool.ExclusivePool",
        Some("pool"),
        ExclusivePool,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "unique_pool",
        "pool",
        "clusto.drivers.categories.pool.UniquePool",
        Some("pool"),
        UniquePool,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "basicdatacenter",
        "datacenter",
        "clusto.drivers.locations.datacenters.basicdatacenter.BasicDatacenter",
        Some("location"),
        Location,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "basiccage",
        "cage",
        "clusto.drivers.locations.datacenters.basiccage.BasicCage",
        Some("location"),
        Location,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "basicrack",
        "rack",
        "clusto.drivers.locations.racks.basicrack.BasicRack",
        Some("location"),
        Rack,
        None,
        false,
        &[
            ("maxu", PropDefault::Int(45)),
            ("minu", PropDefault::Int(1))
        ]
    ),
    driver!(
        "basiczone",
        "zone",
        "clusto.drivers.locations.zones.basiczone.BasicZone",
        Some("location"),
        Location,
        None,
        false,
        NO_PROPS
    ),
    driver!(
        "simplenamemanager",
        "resourcemanager",
        "clusto.drivers.resourcemanagers.simplenamemanager.SimpleNameManager",
        Some("resourcemanager"),
        Plain,
        Some(ManagerKind::Name),
        false,
        NAME_PROPS
    ),
    driver!(
        "simpleentitynamemanager",
        "resourcemanager",
        "clusto.drivers.resourcemanagers.simplenamemanager.SimpleEntityNameManager",
        Some("simplenamemanager"),
        Plain,
        Some(ManagerKind::EntityName),
        false,
        NAME_PROPS
    ),
    driver!(
        "ipmanager",
        "resourcemanager",
        "clusto.drivers.resourcemanagers.ipmanager.IPManager",
        Some("resourcemanager"),
        Plain,
        Some(ManagerKind::Ip),
        false,
        &[
            ("baseip", PropDefault::NoneStr),
            ("netmask", PropDefault::Str("255.255.255.255")),
            ("gateway", PropDefault::NoneStr)
        ]
    ),
    driver!(
        "basicserver",
        "server",
        "clusto.drivers.devices.servers.basicserver.BasicServer",
        Some("device"),
        Plain,
        None,
        true,
        NO_PROPS
    ),
    driver!(
        "basicvirtualserver",
        "server",
        "clusto.drivers.devices.servers.basicserver.BasicVirtualServer",
        Some("basicserver"),
        Plain,
        None,
        true,
        NO_PROPS
    ),
    driver!(
        "basicpowerstrip",
        "powerstrip",
        "clusto.drivers.devices.powerstrips.basicpowerstrip.BasicPowerStrip",
        Some("device"),
        Plain,
        None,
        true,
        NO_PROPS
    ),
    driver!(
        "basicconsoleserver",
        "consoleserver",
        "clusto.drivers.devices.consoleservers.basicconsoleserver.BasicConsoleServer",
        Some("device"),
        Plain,
        None,
        true,
        NO_PROPS
    ),
    driver!(
        "basicnetworkswitch",
        "networkswitch",
        "clusto.drivers.devices.networkswitches.basicnetworkswitch.BasicNetworkSwitch",
        Some("device"),
        Plain,
        None,
        true,
        NO_PROPS
    ),
    driver!(
        "basicappliance",
        "appliance",
        "clusto.drivers.devices.appliance.basicappliance.BasicAppliance",
        Some("device"),
        Plain,
        None,
        true,
        NO_PROPS
    ),
    Driver {
        name: "simplenummanager",
        type_name: "resourcemanager",
        class_path: "clusto.drivers.resourcemanagers.simplenummanager.SimpleNumManager",
        parent: Some("resourcemanager"),
        container: ContainerRule::Plain,
        manager: Some(ManagerKind::Num),
        has_ips: false,
        properties: &[
            ("maxnum", PropDefault::NoneInt),
            ("next", PropDefault::Int(0)),
        ],
        registered: false,
    },
];

/// A driver by name, registered or not.
pub fn lookup(name: &str) -> Option<&'static Driver> {
    DRIVERS.iter().find(|d| d.name == name)
}

/// A registered driver by name: what the API accepts.
pub fn registered(name: &str) -> Option<&'static Driver> {
    lookup(name).filter(|d| d.registered)
}

/// `/driverlist`: driver name → class path, registered drivers only.
pub fn driverlist() -> BTreeMap<&'static str, &'static str> {
    DRIVERS
        .iter()
        .filter(|d| d.registered)
        .map(|d| (d.name, d.class_path))
        .collect()
}

/// `/typelist`: type → class path of the *last* registered driver of that type.
pub fn typelist() -> BTreeMap<&'static str, &'static str> {
    DRIVERS
        .iter()
        .filter(|d| d.registered)
        .map(|d| (d.type_name, d.class_path))
        .collect()
}

/// Whether `name` is a type some registered driver has.
pub fn is_type(name: &str) -> bool {
    DRIVERS.iter().any(|d| d.registered && d.type_name == name)
}

/// Drivers (registered or not) whose entities have type `type_name`.
pub fn drivers_of_type(type_name: &str) -> impl Iterator<Item = &'static Driver> + '_ {
    DRIVERS.iter().filter(move |d| d.type_name == type_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driverlist_has_the_21_registered_drivers() {
        assert_eq!(driverlist().len(), 21);
        assert!(!driverlist().contains_key("simplenummanager"));
    }

    #[test]
    fn typelist_keeps_the_last_registration_of_each_type() {
        let t = typelist();
        assert_eq!(t.len(), 14);
        assert_eq!(t["generic"], "clusto.drivers.base.device.Device");
        assert_eq!(t["pool"], "clusto.drivers.categories.pool.UniquePool");
        assert_eq!(
            t["resourcemanager"],
            "clusto.drivers.resourcemanagers.ipmanager.IPManager"
        );
        assert_eq!(
            t["server"],
            "clusto.drivers.devices.servers.basicserver.BasicVirtualServer"
        );
    }

    #[test]
    fn is_a_follows_inheritance() {
        let vs = lookup("basicvirtualserver").unwrap();
        for ancestor in ["basicvirtualserver", "basicserver", "device", "entity"] {
            assert!(vs.is_a(ancestor), "{ancestor}");
        }
        assert!(!vs.is_a("pool"));
        assert!(!lookup("basicserver").unwrap().is_a("basicvirtualserver"));
        assert!(
            lookup("simpleentitynamemanager")
                .unwrap()
                .is_a("simplenamemanager")
        );
        assert!(lookup("unique_pool").unwrap().is_pool());
    }

    #[test]
    fn device_type_is_generic() {
        assert_eq!(lookup("device").unwrap().type_name, "generic");
        assert_eq!(lookup("basicserver").unwrap().class_name(), "BasicServer");
    }
}
