//! `ca_file`: HTTPS remotes whose certificate comes from a private CA.
//!
//! libgit2 verifies TLS certificates with the system's trust store only
//! (its CA setting is process-wide, so two apps could not trust different
//! CAs). With `ca_file`, the certificate callback verifies the server's
//! certificate itself against that file's CAs — and only those, as Git's
//! `http.sslCAInfo` does — including the host name, the validity period
//! and the server-auth key usage.
//!
//! libgit2 hands the callback the server's own certificate, not the chain
//! it sent, so the certificate must be signed directly by a CA of the file:
//! put intermediate CAs into `ca_file` as trust anchors.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};

use super::error::GitError;

/// The CAs of one `ca_file`.
pub(crate) struct TrustedCas {
    /// The file, for messages.
    path: String,
    anchors: Vec<TrustAnchor<'static>>,
}

impl std::fmt::Debug for TrustedCas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedCas")
            .field("path", &self.path)
            .field("anchors", &self.anchors.len())
            .finish()
    }
}

impl TrustedCas {
    /// Read the PEM certificates of `path`; a file that cannot be read or
    /// holds no usable certificate is an error (trusting nothing would
    /// only fail later, less clearly).
    pub(crate) fn load(path: &Path) -> Result<TrustedCas, GitError> {
        let shown = path.display().to_string();
        let bad = |detail: String| GitError::CaFile {
            path: shown.clone(),
            detail,
        };
        let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let mut anchors = Vec::new();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| bad(format!("not PEM certificates: {e}")))?;
            let anchor = webpki::anchor_from_trusted_cert(&cert)
                .map_err(|e| bad(format!("a certificate cannot be used as a CA: {e}")))?;
            anchors.push(anchor.to_owned());
        }
        if anchors.is_empty() {
            return Err(bad(
                "holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)".into(),
            ));
        }
        Ok(TrustedCas {
            path: shown,
            anchors,
        })
    }

    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// Check the server certificate `der` presented by `host`: signed by
    /// one of the CAs, valid now, for server authentication, naming `host`.
    pub(crate) fn verify(&self, der: &[u8], host: &str) -> Result<(), String> {
        let cert = CertificateDer::from(der);
        let leaf = webpki::EndEntityCert::try_from(&cert)
            .map_err(|e| format!("unreadable certificate: {e}"))?;
        leaf.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &self.anchors,
            &[],
            UnixTime::now(),
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map_err(|e| match e {
            webpki::Error::UnknownIssuer => {
                "the certificate is not signed by a CA of this file".to_string()
            }
            webpki::Error::CertExpired { .. } => "the certificate has expired".to_string(),
            e => format!("the certificate is not valid: {e}"),
        })?;
        let name = ServerName::try_from(host)
            .map_err(|_| format!("`{host}` is not a host name a certificate can name"))?;
        leaf.verify_is_valid_for_subject_name(&name)
            .map_err(|_| format!("the certificate is not issued for `{host}`"))
    }
}
