//! SCIM 2.0 protocol rules (RFC 7643 / RFC 7644) with no I/O: attribute paths, filters,
//! PATCH semantics, schema documents and attribute projection over SCIM JSON resources.
//! The web layer maps resources to storage; everything protocol-shaped lives here.

pub mod error;
pub mod filter;
pub mod patch;
pub mod path;
pub mod projection;
pub mod schemas;

pub use error::{ScimError, ScimType};
pub use filter::{CompareOp, Filter};
pub use patch::{PatchKind, PatchOp, PatchPath};
pub use path::AttrPath;
pub use schemas::{
    AttrKind, AttributeDef, Limits, Mutability, ResourceSchema, Returned, SchemaDef, Uniqueness,
};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const EMBARQ_USER_SCHEMA: &str = "urn:embarq:params:scim:schemas:extension:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
