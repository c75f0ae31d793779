#![forbid(unsafe_code)]
//! STUB with the interface of the lead's `outbound` crate (SSRF-guarded client), so the
//! calendars branch builds before it lands. Main's crate replaces this file on merge; only
//! literal addresses are checked here.

use std::net::IpAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
pub use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};

/// A network range, `a.b.c.d/n` (IPv4 only in this stub).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    base: u32,
    bits: u8,
}

impl std::str::FromStr for Cidr {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::InvalidUrl(format!("not a CIDR: {s}"));
        let (ip, bits) = s.split_once('/').ok_or_else(bad)?;
        let ip: std::net::Ipv4Addr = ip.parse().map_err(|_| bad())?;
        let bits: u8 = bits.parse().ok().filter(|b| *b <= 32).ok_or_else(bad)?;
        Ok(Self {
            base: u32::from(ip),
            bits,
        })
    }
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        let IpAddr::V4(v4) = ip else { return false };
        let mask = if self.bits == 0 {
            0
        } else {
            u32::MAX << (32 - self.bits)
        };
        u32::from(v4) & mask == self.base & mask
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub allow: Vec<Cidr>,
    pub connect_timeout: Duration,
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
    pub fn allowing_loopback() -> Self {
        Self {
            allow: "127.0.0.0/8".parse().into_iter().collect(),
            ..Self::default()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
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
        if error.is_timeout() {
            return Error::Timeout;
        }
        Error::Http(error)
    }
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    allow: Vec<Cidr>,
    max_response_bytes: usize,
}

impl Client {
    pub fn new(policy: Policy) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .build()
            .map_err(|e| Error::Setup(e.to_string()))?;
        Ok(Self {
            http,
            allow: policy.allow,
            max_response_bytes: policy.max_response_bytes,
        })
    }

    pub fn check_url(&self, url: &str) -> Result<Url, Error> {
        let parsed = Url::parse(url).map_err(|e| Error::InvalidUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidUrl("the scheme must be http or https".into()));
        }
        let host = parsed
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']']);
        if host.is_empty() {
            return Err(Error::InvalidUrl("the URL has no host".into()));
        }
        let ip: Option<IpAddr> = if host == "localhost" {
            "127.0.0.1".parse().ok()
        } else {
            host.parse().ok()
        };
        if let Some(ip) = ip {
            let internal = match ip {
                IpAddr::V4(v4) => {
                    v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified()
                }
                IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified(),
            };
            if internal && !self.allow.iter().any(|c| c.contains(ip)) {
                return Err(Error::Forbidden(format!("{host} is an internal address")));
            }
        }
        Ok(parsed)
    }

    pub fn request(&self, method: Method, url: &str) -> Result<RequestBuilder, Error> {
        let url = self.check_url(url)?;
        Ok(self.http.request(method, url))
    }

    pub async fn send(&self, request: RequestBuilder) -> Result<Response, Error> {
        Ok(request.send().await?)
    }

    pub async fn read_body(&self, mut response: Response) -> Result<Bytes, Error> {
        let limit = self.max_response_bytes;
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > limit {
                return Err(Error::TooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}
