//! A raw HTTP/1.1 client for the classroom server's tests and benchmark: any bytes, from any loopback address.
//!
//! Written by hand rather than taken from a crate because the tests need what a real client refuses to do
//! (send `..` unnormalised, oversized headers, a body larger than its announced length) and need to choose the
//! source address of each connection, as 300 phones each have their own.

#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    /// The value of the header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A request's bytes: `method path`, the device header when given, a body when not empty.
pub fn request(method: &str, path: &str, device: Option<&str>, body: &str) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nhost: rapport.test\r\nconnection: close\r\n");
    if let Some(d) = device {
        r.push_str(&format!("x-rapport-device: {d}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        r.push_str(&format!(
            "content-type: application/json\r\ncontent-length: {}\r\n",
            body.len()
        ));
    }
    r.push_str("\r\n");
    r.push_str(body);
    r.into_bytes()
}

/// Connects to `server` from `from` (any 127.x.y.z address on Linux), sends `raw`, reads the reply until the
/// server closes the connection.
pub async fn send(server: SocketAddr, from: IpAddr, raw: impl AsRef<[u8]>) -> std::io::Result<Reply> {
    let socket = match from {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.bind(SocketAddr::new(from, 0))?;
    let mut stream = socket.connect(server).await?;
    // The server may answer (413, 431) and close before reading all we send: a failed write is not the
    // end of the exchange, the reply is.
    let _ = stream.write_all(raw.as_ref()).await;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            // A reset after the reply (the server closed with our bytes unread) keeps what was read.
            Err(_) if !buf.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    parse(&buf)
}

fn parse(buf: &[u8]) -> std::io::Result<Reply> {
    let text = String::from_utf8_lossy(buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {text:?}")))?;
    Ok(Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}
