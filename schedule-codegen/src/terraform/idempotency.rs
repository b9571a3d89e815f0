//! `idempotency.tf`: the DynamoDB table `idempotent` tasks record their runs in, with the key
//! and expiry attribute the runtime's store uses.

use hcl::structure::Block;
use schedule_runtime::idempotency::table;

use super::hcl::{Item, expr, resource};

/// What every generated table has: TTL on `expiry`, point-in-time recovery, encryption at rest.
pub(crate) fn table_settings(expiry: &str) -> [Block; 3] {
    let on = |name: &str| Block::builder(name).add_attribute(("enabled", true));
    [
        on("ttl").add_attribute(("attribute_name", expiry)).build(),
        on("point_in_time_recovery").build(),
        on("server_side_encryption").build(),
    ]
}

pub(crate) fn items() -> Vec<Item> {
    vec![
        Item::new(
            resource("aws_dynamodb_table", "idempotency")
                .add_attribute(("name", expr("\"${local.name}-idempotency\"")))
                .add_attribute(("billing_mode", "PAY_PER_REQUEST"))
                .add_attribute(("hash_key", table::PARTITION_KEY))
                .add_block(
                    Block::builder("attribute")
                        .add_attribute(("name", table::PARTITION_KEY))
                        .add_attribute(("type", "S"))
                        .build(),
                )
                // DynamoDB deletes expired records in the background; the store also treats
                // an expired record as absent, so the lag never changes an answer.
                .add_blocks(table_settings(table::EXPIRY_ATTRIBUTE))
                .add_attribute(("tags", expr("var.tags")))
                .build(),
        )
        .skip(
            "CKV_AWS_119",
            "encrypted with the AWS managed key; the records are run keys and results, not customer data",
        ),
    ]
}
