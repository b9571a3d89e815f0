//! The DynamoDB table's contract with whoever creates it: the generated Terraform and
//! [`DynamoDbStore::create_table`](super::DynamoDbStore) both read these names, so the table
//! that is deployed is the table the store writes to.

/// The string partition key: `task#scheduled-time`.
pub const PARTITION_KEY: &str = "pk";

/// The Number attribute (epoch seconds) that DynamoDB's time to live deletes records by.
pub const EXPIRY_ATTRIBUTE: &str = "expires_at";

/// Every DynamoDB action the store performs: a claim is a conditional put, a completion an
/// update, a release a delete. The dispatch Lambda's role is allowed these and nothing else.
pub const ACTIONS: &[&str] = &[
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
