//! A stand-in for CloudFront in front of a private bucket: browsers may not read the bucket
//! (moto refuses anonymous GETs, as S3 does for a bucket with public access blocked), so this
//! forwards their GETs with an `Authorization` header, as CloudFront's Origin Access Control
//! signs its requests to S3. moto checks that a request is signed, not the signature.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use anyhow::Result;

pub struct Edge {
    pub port: u16,
}

const SIGNED: &str = "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

impl Edge {
    /// Serves on a free loopback port until the process ends, forwarding to `origin_port`.
    pub fn start(origin_port: u16) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let _ = forward(client, origin_port);
                });
            }
        });
        Ok(Self { port })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// One request per connection: the answer closes it.
fn forward(client: TcpStream, origin_port: u16) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if !lower.starts_with("connection:") && !lower.starts_with("authorization:") {
            head.push(line);
        }
    }
    let mut origin = TcpStream::connect(("127.0.0.1", origin_port))?;
    let mut request = head.concat();
    request.push_str(SIGNED);
    request.push_str("\r\nConnection: close\r\n\r\n");
    origin.write_all(request.as_bytes())?;
    let mut answer = Vec::new();
    origin.read_to_end(&mut answer)?;
    let mut client = client;
    client.write_all(&close_connection(answer))?;
    client.flush()
}

/// The origin's answer with `Connection: close`, whatever it said.
fn close_connection(answer: Vec<u8>) -> Vec<u8> {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return answer;
    };
    let head = String::from_utf8_lossy(&answer[..end]);
    let mut out: String = head
        .split("\r\n")
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&answer[end + 4..]);
    bytes
}
