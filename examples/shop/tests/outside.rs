//! The shop reaching the world, deployed: its module applied to moto with each function
//! group's settings (`functions`: the backup group's bucket, S3 statement, VPC and 1,024 MB;
//! the mail group's sender and SES statement) and the secrets (`secrets`), then each function
//! served by the compiled binary with the environment moto holds for it. The backup reads the
//! database's URL and lands in S3, the review request goes out through SES, the supplier is
//! called with the key read from Parameter Store; every effect is read back from moto or the
//! stand-in supplier, and no log line carries a secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::tools::{Deployment, boto3, deployable_copy, function_environment, group_environment};
use support::{Reply, RuntimeApi, endpoint, start_function};

/// The supplier's API on loopback: answers the stock list to the bearer of `key`, 401 to
/// anyone else, and keeps each request's `Authorization` header.
struct Supplier {
    url: String,
    authorizations: Arc<Mutex<Vec<String>>>,
}

impl Supplier {
    fn start(key: &str) -> Supplier {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/stock", listener.local_addr().unwrap());
        let authorizations = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&authorizations);
        let expected = format!("Bearer {key}");
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut authorization = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("authorization")
                    {
                        authorization = value.trim().to_owned();
                    }
                }
                let (status, body) = if authorization == expected {
                    (
                        "200 OK",
                        r#"[{"sku": "SKU-001", "stock": 0}, {"sku": "SKU-002", "stock": 3}]"#,
                    )
                } else {
                    ("401 Unauthorized", r#"{"error": "bad key"}"#)
                };
                kept.lock().unwrap().push(authorization);
                let mut stream = stream;
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Supplier {
            url,
            authorizations,
        }
    }
}

/// `variables` with the data folder `data`.
fn with_data(mut variables: Vec<(String, String)>, data: &Path) -> Vec<(String, String)> {
    variables.push(("SHOP_DATA_DIR".to_owned(), data.display().to_string()));
    variables
}

fn event(task: &str, scheduled_time: &str, input: Option<Value>) -> String {
    let mut event = json!({
        "task": task,
        "scheduled_time": scheduled_time,
        "execution_id": "0a1b2c3d4e5f6789",
        "attempt": "1",
    });
    if let Some(input) = input {
        event["input"] = input;
    }
    event.to_string()
}

fn sent_mails() -> u64 {
    boto3(
        "print(int(client('ses').get_send_quota()['SentLast24Hours']))",
        &[],
    )
    .parse()
    .unwrap()
}

#[test]
#[ignore = "needs terraform, moto and boto3: run bash scripts/test.sh"]
fn deployed_the_shop_writes_its_backup_to_s3_mails_through_ses_and_calls_its_supplier_with_the_key()
{
    let dir = deployable_copy("outside");
    let environment = format!("o{}", std::process::id());
    let bucket = format!("shop-backups-{environment}");
    let sender = "shop@example.com";
    let key = format!("sk-{environment}-7f3a9c");
    let password = format!("pw-{environment}-e1d4");
    let database_url = format!("postgres://backup:{password}@db.internal:5432/shop");
    // The bucket, the verified sender, and the VPC the backup group runs in.
    let network = boto3(
        "client('s3').create_bucket(Bucket=sys.argv[2])\n\
         client('ses').verify_email_identity(EmailAddress=sys.argv[3])\n\
         ec2 = client('ec2')\n\
         vpc = ec2.create_vpc(CidrBlock='10.43.0.0/16')['Vpc']['VpcId']\n\
         subnet = ec2.create_subnet(VpcId=vpc, CidrBlock='10.43.1.0/24')['Subnet']['SubnetId']\n\
         group = ec2.create_security_group(VpcId=vpc, GroupName='backup', Description='backup')['GroupId']\n\
         print(subnet, group)\n",
        &[&bucket, sender],
    );
    let (subnet, security_group) = network.split_once(' ').unwrap();
    let functions = format!(
        "-var=functions={{ \
           backup = {{ memory_size = 1024, environment = {{ SHOP_BACKUP_BUCKET = \"{bucket}\" }}, \
             subnet_ids = [\"{subnet}\"], security_group_ids = [\"{security_group}\"], \
             policy_statements = [{{ sid = \"WriteBackups\", actions = [\"s3:PutObject\"], resources = [\"arn:aws:s3:::{bucket}/backups/*\"] }}] }}, \
           mail = {{ environment = {{ SHOP_MAIL_FROM = \"{sender}\" }}, \
             policy_statements = [{{ sid = \"SendReviewMails\", actions = [\"ses:SendEmail\"], resources = [\"arn:aws:ses:us-east-1:123456789012:identity/{sender}\"] }}] }} }}"
    );
    let mut services = Deployment::EVERY_SERVICE.to_vec();
    services.push("ec2");
    let deployment = Deployment::apply_with(
        &dir,
        &environment,
        &services,
        &[
            functions,
            format!(
                "-var=secrets={{\"supplier-api-key\" = \"{key}\", \"database-url\" = \"{database_url}\"}}"
            ),
        ],
    );
    let deployed = deployment.read_back();
    let groups = &deployed["groups"];

    // Only the backup group may write to the bucket, only the mail group may send.
    let actions = |role: &Value| role["policies"].to_string();
    assert!(actions(&groups["backup"]["role"]).contains("s3:PutObject"));
    assert!(!actions(&groups["backup"]["role"]).contains("ses:SendEmail"));
    assert!(actions(&groups["mail"]["role"]).contains("ses:SendEmail"));
    assert!(!actions(&groups["mail"]["role"]).contains("s3:PutObject"));
    let default_role = actions(&deployed["dispatch_role"]);
    assert!(!default_role.contains("s3:") && !default_role.contains("ses:"));
    // The backup group as declared: 1,024 MB, its task's ten minutes and the margin, the VPC,
    // its variable, and only its own secret's place (no value).
    let backup = &groups["backup"]["function"];
    assert_eq!(backup["MemorySize"], 1024);
    assert_eq!(backup["Timeout"], 610);
    assert_eq!(backup["VpcConfig"]["SubnetIds"], json!([subnet]));
    assert_eq!(
        backup["VpcConfig"]["SecurityGroupIds"],
        json!([security_group])
    );
    assert_eq!(
        backup["Environment"]["Variables"]["SHOP_BACKUP_BUCKET"],
        bucket.as_str()
    );
    assert_eq!(
        serde_json::from_str::<Value>(
            backup["Environment"]["Variables"]["SCHEDULE_SECRETS"]
                .as_str()
                .unwrap()
        )
        .unwrap(),
        json!({"database-url": format!("/example-shop-{environment}/secrets/database-url")})
    );
    for function in [backup, &groups["mail"]["function"], &deployed["function"]] {
        let configuration = function.to_string();
        assert!(
            !configuration.contains(&password) && !configuration.contains(&key),
            "{configuration}"
        );
    }

    let scratch = dir.join("served");
    std::fs::create_dir_all(&scratch).unwrap();

    // The backup group's function: the data folder's files land in the bucket.
    let backup_data = scratch.join("backup-data");
    std::fs::create_dir_all(&backup_data).unwrap();
    let orders = r#"[{"id": 7, "total_cents": 1999, "placed_at": "2026-11-26T21:00:00Z"}]"#;
    std::fs::write(backup_data.join("orders.json"), orders).unwrap();
    let api = RuntimeApi::start();
    let log = scratch.join("backup.log");
    let function = start_function(
        &api,
        &with_data(
            group_environment(&deployed, "backup", &endpoint(), &dir),
            &backup_data,
        ),
        &log,
    );
    let reply = api.invoke(&event("database-backup", "2026-11-27T01:30:00Z", None));
    assert_eq!(
        reply,
        Reply::Response(json!({
            "status": "succeeded", "task": "database-backup",
            "scheduled_time": "2026-11-27T01:30:00Z",
            "result": {
                "folder": format!("s3://{bucket}/backups/2026-11-27"),
                "files": 1,
                "database": "db.internal",
            }
        }))
    );
    let stored = boto3(
        "print(client('s3').get_object(Bucket=sys.argv[2], Key='backups/2026-11-27/orders.json')['Body'].read().decode())",
        &[&bucket],
    );
    assert_eq!(stored, orders);
    // The review request is not this function's: refused, and nothing is sent.
    let mails = sent_mails();
    let refused = api.invoke(&event(
        "review-request",
        "2026-11-27T09:00:00Z",
        Some(json!({"order": 1001, "email": "ada@example.com"})),
    ));
    assert!(
        matches!(&refused, Reply::Error { body, .. } if body["errorType"] == "WrongFunction"),
        "{refused:?}"
    );
    drop(function);

    // The mail group's function: one mail through SES.
    let api = RuntimeApi::start();
    let mail_data = scratch.join("mail-data");
    let function = start_function(
        &api,
        &with_data(
            group_environment(&deployed, "mail", &endpoint(), &dir),
            &mail_data,
        ),
        &scratch.join("mail.log"),
    );
    let reply = api.invoke(&event(
        "review-request",
        "2026-11-27T09:00:00Z",
        Some(json!({"order": 1001, "email": "ada@example.com"})),
    ));
    assert!(
        matches!(&reply, Reply::Response(body) if body["status"] == "succeeded"),
        "{reply:?}"
    );
    assert_eq!(sent_mails(), mails + 1);
    assert!(!mail_data.join("sent-mail.log").exists());
    drop(function);

    // The default function: inventory-sync calls the supplier with the key from Parameter
    // Store, and no log line carries it.
    let supplier = Supplier::start(&key);
    let api = RuntimeApi::start();
    let sync_data = scratch.join("sync-data");
    let mut variables = with_data(
        function_environment(&deployed, &endpoint(), &dir),
        &sync_data,
    );
    variables.push(("SHOP_SUPPLIER_URL".to_owned(), supplier.url.clone()));
    let log = scratch.join("sync.log");
    let function = start_function(&api, &variables, &log);
    let reply = api.invoke(&event("inventory-sync", "2026-11-27T10:05:00Z", None));
    assert!(
        matches!(&reply, Reply::Response(body) if body["result"]["out_of_stock"] == json!(["SKU-001"])),
        "{reply:?}"
    );
    assert_eq!(
        *supplier.authorizations.lock().unwrap(),
        [format!("Bearer {key}")]
    );
    drop(function);
    for log in ["backup.log", "mail.log", "sync.log"] {
        let lines = std::fs::read_to_string(scratch.join(log)).unwrap();
        assert!(!lines.is_empty(), "{log} is empty");
        assert!(!lines.contains(&key), "{log} carries the key: {lines}");
        assert!(
            !lines.contains(&password),
            "{log} carries the password: {lines}"
        );
    }
    drop(deployment);
}
