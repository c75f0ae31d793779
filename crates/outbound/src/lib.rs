#![forbid(unsafe_code)]
//! The one HTTP client for URLs that users give us: calendar servers, ICS feeds, webhook
//! targets, SMS providers.
//!
//! A URL typed into a form must not become a way to reach the machine's own services or its
//! private network (server-side request forgery). [`Client`] refuses such addresses at every
//! step where they could sneak in:
//! - a URL whose host is a literal address is checked before the request is built;
//! - a host name is resolved by our own resolver, which refuses the whole name when any of its
//!   addresses is internal (so a name cannot mix a public and a private answer);
//! - every redirect target goes through the same checks, at most five times;
//! - environment proxies are ignored, since a proxy would resolve names for us.
//!
//! Operators open holes on purpose with [`Policy::allow`] (tests allow `127.0.0.0/8`).
//! Responses are read with a size cap and every request has a deadline.

mod address;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
pub use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};

/// A network range, like `127.0.0.0/8` or `fd00::/8`.
pub type Cidr = ipnet::IpNet;

const MAX_REDIRECTS: usize = 5;

/// What outbound calls may reach and how long and large they may be.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Ranges that are reachable although internal. Empty by default.
    pub allow: Vec<Cidr>,
    pub connect_timeout: Duration,
    /// The whole request, body included.
    pub timeout: Duration,
    pub max_response_bytes: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(20),
            max_response_bytes: 5 * 1024 * 1024,
        }
    }
}

impl Policy {
    /// The default policy that also reaches the loopback range: for tests and local
    /// development.
    pub fn allowing_loopback() -> Self {
        let loopback = ["127.0.0.0/8", "::1/128"]
            .iter()
            .filter_map(|text| text.parse().ok())
            .collect();
        Self {
            allow: loopback,
            ..Self::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not an absolute http(s) URL with a host.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The URL leads to an address that the policy does not allow.
    #[error("{0}")]
    Forbidden(String),
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the server did not answer in time")]
    Timeout,
    #[error("could not set up the HTTP client: {0}")]
    Setup(String),
    #[error("HTTP request failed: {0}")]
    Http(#[source] reqwest::Error),
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        if let Some(refused) = find_source::<Refused>(&error) {
            return Error::Forbidden(refused.0.clone());
        }
        if error.is_timeout() {
            return Error::Timeout;
        }
        // The URL stays out of the message: feed and webhook URLs often carry a secret in
        // their path or query, and this error reaches logs and connection pages.
        Error::Http(error.without_url())
    }
}

fn find_source<'e, T: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        current = error.source();
    }
    None
}

/// The reason a resolved or literal address was refused; travels through reqwest's error chain.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

fn check_address(host: &str, address: IpAddr, allow: &[Cidr]) -> Result<(), Refused> {
    match address::refusal(address, allow) {
        None => Ok(()),
        Some(kind) => Err(Refused(format!(
            "{host} is {kind} ({address}), which outbound requests may not reach"
        ))),
    }
}

/// An SSRF-guarded HTTP client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    allow: Arc<[Cidr]>,
    max_response_bytes: usize,
}

impl Client {
    pub fn new(policy: Policy) -> Result<Self, Error> {
        let allow: Arc<[Cidr]> = policy.allow.into();
        let redirect_allow = allow.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                return attempt.error(Refused("too many redirects".into()));
            }
            match check_literal(attempt.url(), &redirect_allow) {
                Ok(()) => attempt.follow(),
                Err(refused) => attempt.error(refused),
            }
        });
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .dns_resolver(GuardedResolver {
                allow: allow.clone(),
            })
            .redirect(redirects)
            .no_proxy()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .user_agent(concat!("Rendezvous/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| Error::Setup(error.to_string()))?;
        Ok(Self {
            http,
            allow,
            max_response_bytes: policy.max_response_bytes,
        })
    }

    /// Parses and checks a URL without calling it: for validating a URL when it is saved.
    /// Host names are not resolved here (their addresses may change); requests check them.
    pub fn check_url(&self, url: &str) -> Result<Url, Error> {
        let parsed = Url::parse(url).map_err(|error| Error::InvalidUrl(error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidUrl("the scheme must be http or https".into()));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(Error::InvalidUrl("the URL has no host".into()));
        }
        check_literal(&parsed, &self.allow).map_err(|refused| Error::Forbidden(refused.0))?;
        Ok(parsed)
    }

    /// Starts a request to a checked URL. Send it with `.send().await` and map the error with
    /// `Error::from`, which tells a refused address from other failures.
    pub fn request(&self, method: Method, url: &str) -> Result<RequestBuilder, Error> {
        let url = self.check_url(url)?;
        Ok(self.http.request(method, url))
    }

    /// Sends a request built by [`Client::request`].
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, Error> {
        Ok(request.send().await?)
    }

    /// Reads a response body, refusing more than the policy's size cap.
    pub async fn read_body(&self, mut response: Response) -> Result<Bytes, Error> {
        let limit = self.max_response_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(Error::TooLarge(limit));
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > limit {
                return Err(Error::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    /// Reads at most `cap` bytes of a body for logging, dropping the rest; never fails on size.
    pub async fn read_body_prefix(&self, mut response: Response, cap: usize) -> Bytes {
        let mut body = BytesMut::new();
        while body.len() < cap {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = cap - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) | Err(_) => break,
            }
        }
        body.freeze()
    }
}

fn check_literal(url: &Url, allow: &[Cidr]) -> Result<(), Refused> {
    let address = match url.host() {
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(name)) => {
            if name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost") {
                // Resolved like any name below; refusing it early gives a clearer message.
                return check_address(name, IpAddr::from([127, 0, 0, 1]), allow);
            }
            return Ok(());
        }
        None => return Err(Refused("the URL has no host".into())),
    };
    check_address(&address.to_string(), address, allow)
}

/// Resolves with the system resolver and refuses the name if any answer is internal.
#[derive(Debug)]
struct GuardedResolver {
    allow: Arc<[Cidr]>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for address in &addresses {
                check_address(&host, address.ip(), &allow)?;
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// Makes ring the process-wide rustls provider, so that plain reqwest clients (tests' own
/// HTTP clients) work: the workspace compiles only ring, and reqwest without a provider of its
/// own panics when none is installed. Idempotent; the binary calls it at start-up.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is all we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn tls_config() -> Result<rustls::ClientConfig, Error> {
    // Built with ring explicitly: the workspace compiles exactly one rustls provider, and a
    // client made before the binary installs the process default must not depend on it.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| Error::Setup(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded() -> Client {
        Client::new(Policy::default()).expect("client")
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        let client = guarded();
        assert!(matches!(
            client.check_url("ftp://example.com/"),
            Err(Error::InvalidUrl(_))
        ));
        assert!(matches!(
            client.check_url("not a url"),
            Err(Error::InvalidUrl(_))
        ));
        assert!(client.check_url("https://example.com/cal").is_ok());
    }

    #[test]
    fn literal_internal_addresses_are_refused_when_saved() {
        let client = guarded();
        for url in [
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/",
            "http://localhost:5432/",
            "http://[::ffff:192.168.0.1]/",
            // Decimal and hex spellings are parsed into the same addresses by the URL parser.
            "http://2130706433/",
            "http://0x7f.1/",
        ] {
            assert!(
                matches!(client.check_url(url), Err(Error::Forbidden(_))),
                "{url} should be refused"
            );
        }
    }

    #[tokio::test]
    async fn names_resolving_to_internal_addresses_are_refused_by_the_resolver() {
        // The URL check lets names through (their addresses can change); the resolver is where
        // a name pointing inside is caught, at call time.
        let name: Name = "localhost".parse().expect("a name");
        let refused = GuardedResolver {
            allow: Arc::from([]),
        }
        .resolve(name)
        .await;
        let error = refused.err().expect("refused");
        assert!(error.downcast_ref::<Refused>().is_some(), "{error:?}");

        let name: Name = "localhost".parse().expect("a name");
        let allowed = GuardedResolver {
            allow: Policy::allowing_loopback().allow.into(),
        }
        .resolve(name)
        .await;
        assert!(allowed.is_ok());
    }

    #[tokio::test]
    async fn a_call_to_a_name_that_resolves_inside_fails_as_forbidden() {
        // The machine's own name resolves to one of its own (loopback or private) addresses.
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
        let client = guarded();
        let request = client
            .request(Method::GET, &format!("http://{}:9/", host.trim()))
            .expect("a name passes the syntax check");
        let error = client.send(request).await.expect_err("refused");
        assert!(matches!(error, Error::Forbidden(_)), "{error:?}");
    }

    #[tokio::test]
    async fn a_failed_call_does_not_repeat_the_urls_secret() {
        // Nothing listens on port 9 of loopback: the connection is refused.
        let open = Client::new(Policy::allowing_loopback()).expect("client");
        let url = "http://127.0.0.1:9/feeds/private-s3cret.ics?token=s3cret";
        let error = open
            .send(open.request(Method::GET, url).expect("allowed"))
            .await
            .expect_err("nothing listens");
        let message = format!("{error} {error:?}");
        assert!(!message.contains("s3cret"), "{message}");
    }

    #[tokio::test]
    async fn the_allow_list_reaches_a_local_server_and_caps_the_body() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = [0u8; 1024];
                let _ = socket.read(&mut buffer).await;
                let body = "x".repeat(100);
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        let url = format!("http://127.0.0.1:{port}/");

        let refused = guarded();
        assert!(matches!(refused.check_url(&url), Err(Error::Forbidden(_))));

        let open = Client::new(Policy::allowing_loopback()).expect("client");
        let response = open
            .send(open.request(Method::GET, &url).expect("allowed"))
            .await
            .expect("reached");
        assert_eq!(open.read_body(response).await.expect("body").len(), 100);

        let small = Client::new(Policy {
            max_response_bytes: 10,
            ..Policy::allowing_loopback()
        })
        .expect("client");
        let response = small
            .send(small.request(Method::GET, &url).expect("allowed"))
            .await
            .expect("reached");
        assert!(matches!(
            small.read_body(response).await,
            Err(Error::TooLarge(10))
        ));
    }
}
