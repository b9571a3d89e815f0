//! Tests only: see `tests/`. The dispatcher in one process (`dispatch.rs`) and the DynamoDB
//! store against moto (`dynamodb.rs`, run through `scripts/test.sh`).
