//! HTTPS: the certificate chain and private key read from PEM files and checked at start
//! (a missing, empty or mismatched file is an error then, not at the first visitor), and
//! the rustls configuration that offers HTTP/2 and HTTP/1.1 by ALPN.
//!
//! Owns the TLS settings. Must not know what is served over them: `listen` does the
//! handshake and hands the stream to hyper.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// A checked TLS configuration, cheap to clone.
#[derive(Clone)]
pub struct TlsConfig(Arc<ServerConfig>);

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConfig")
    }
}

impl TlsConfig {
    /// Reads the certificate chain from `cert` and the private key from `key` (both PEM)
    /// and checks that they go together. The error names the file at fault.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsConfig, String> {
        let read = |path: &Path, what: &str| {
            std::fs::read(path)
                .map_err(|error| format!("cannot read the TLS {what} {}: {error}", path.display()))
        };
        let chain = CertificateDer::pem_slice_iter(&read(cert, "certificate")?)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("{}: not a PEM certificate: {error}", cert.display()))?;
        if chain.is_empty() {
            return Err(format!(
                "{}: no certificate in it (expected PEM, `-----BEGIN CERTIFICATE-----`)",
                cert.display()
            ));
        }
        let private_key = PrivateKeyDer::from_pem_slice(&read(key, "key")?).map_err(|error| {
            format!(
                "{}: no private key in it (expected PEM, `-----BEGIN PRIVATE KEY-----`): {error}",
                key.display()
            )
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("TLS: {error}"))?
            .with_no_client_auth()
            .with_single_cert(chain, private_key)
            .map_err(|error| {
                format!(
                    "the TLS certificate {} and key {} do not go together: {error}",
                    cert.display(),
                    key.display()
                )
            })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(TlsConfig(Arc::new(config)))
    }

    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.0.clone())
    }
}
