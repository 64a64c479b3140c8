//! The AWS SDK's configuration as the publisher and its tests load it.

/// The standard chain (environment, profile, SSO, web identity, instance role) on rustls with
/// ring, the TLS the rest of the workspace uses; the caller adds an endpoint, region or
/// credentials before `load()`.
pub fn config_loader() -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http)
}
