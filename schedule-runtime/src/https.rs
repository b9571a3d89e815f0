//! The process's one HTTPS stack: rustls with ring, trusting the Mozilla roots compiled into
//! the binary (`webpki-roots`), shared by the heartbeat pings and the AWS SDK's DynamoDB client.
//!
//! Compiled-in roots make the trust the same on every machine and cost nothing at start: the
//! AWS SDK's own client would read the machine's certificate directory (about 150 files on a
//! Debian image) before the first request. Nothing here is built until a client first needs it,
//! so a Lambda whose invocation pings no monitor and claims no occurrence never builds it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// How long a TCP connection may take to open, for every client here.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The TLS configuration: built once, on first use.
fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            // ring supports every safe protocol version; this cannot fail with it.
            .unwrap_or_else(|_| unreachable!("ring supports TLS 1.2 and 1.3"))
            .with_root_certificates(roots)
            .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// An HTTP(S) client for request bodies of type `B`, over the shared TLS configuration. Plain
/// `http://` is allowed: monitors and DynamoDB-compatible servers on a developer's machine use
/// it.
pub(crate) fn client<B>() -> Client<HttpsConnector<HttpConnector>, B>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
{
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config((*tls_config()).clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// The AWS SDK's HTTP client on the shared stack.
pub(crate) mod sdk {
    use std::sync::OnceLock;

    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::body::SdkBody;
    use hyper_rustls::HttpsConnector;
    use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;

    type Inner = hyper_util::client::legacy::Client<HttpsConnector<TcpConnector>, SdkBody>;

    /// An AWS SDK HTTP client on the process's one HTTPS stack (rustls with ring, the Mozilla
    /// roots compiled in), for SDK clients built outside this crate, such as the operator
    /// commands' Lambda and SQS clients: one TLS stack per binary, and no reading of the
    /// machine's certificate directory. Its connection pool is built on the first request.
    pub fn aws_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
        aws_smithy_runtime_api::client::http::SharedHttpClient::new(SdkClient::default())
    }

    /// Hands the SDK one connector, built (with its connection pool) on the first request.
    /// The SDK asks for a connector on every attempt, so it must be cheap to return.
    #[derive(Debug, Default)]
    pub(crate) struct SdkClient {
        connector: OnceLock<SharedHttpConnector>,
    }

    impl HttpClient for SdkClient {
        fn http_connector(
            &self,
            _settings: &HttpConnectorSettings,
            _components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            // Timeouts: connecting is bounded here (1 s), everything else by the store's
            // operation and attempt timeouts, which the SDK enforces around this connector.
            self.connector
                .get_or_init(|| {
                    SharedHttpConnector::new(Connector {
                        client: super::client(),
                    })
                })
                .clone()
        }
    }

    struct Connector {
        client: Inner,
    }

    impl std::fmt::Debug for Connector {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("schedule_runtime::https::Connector")
        }
    }

    impl HttpConnector for Connector {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let client = self.client.clone();
            HttpConnectorFuture::new(async move {
                let request = request
                    .try_into_http1x()
                    .map_err(|e| ConnectorError::user(Box::new(e)))?;
                let response = client.request(request).await.map_err(|e| {
                    if e.is_connect() {
                        ConnectorError::io(Box::new(e))
                    } else {
                        ConnectorError::other(Box::new(e), None)
                    }
                })?;
                let response = response.map(SdkBody::from_body_1_x);
                HttpResponse::try_from(response)
                    .map_err(|e| ConnectorError::other(Box::new(e), None))
            })
        }
    }
}
