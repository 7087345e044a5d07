//! The provider side: discovery (metadata and signing keys), the client with our extra
//! claims, and the crate's HTTP calls over our reqwest client.
use super::*;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AsyncHttpClient, Client, ClientId, ClientSecret, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IdTokenFields,
    IssuerUrl, RedirectUrl, StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Provider answers larger than this are refused (metadata, keys and tokens are small).
const RESPONSE_MAX: usize = 1024 * 1024;
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Claims beyond the standard ones (department, site, level... named by the settings).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub(super) other: HashMap<String, serde_json::Value>,
}
impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
pub(super) type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<IdFields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The crate's HTTP calls over our reqwest client: no redirects (a provider URL must not
/// bounce the server elsewhere), a timeout, and a cap on response size.
pub(super) struct Http(reqwest::Client);

#[derive(Debug, thiserror::Error)]
pub(super) enum HttpError {
    #[error("{0}")]
    Reqwest(#[from] reqwest::Error),
    #[error("{0}")]
    Http(#[from] openidconnect::http::Error),
    #[error("response larger than {RESPONSE_MAX} bytes")]
    TooLarge,
}

impl Http {
    pub(super) fn new() -> AppResult<Http> {
        reqwest::Client::builder()
            .timeout(HTTP_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("embarq-oidc")
            .build()
            .map(Http)
            .map_err(|e| AppError::Internal(e.into()))
    }
}

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut res = self.0.execute(reqwest::Request::try_from(request)?).await?;
            let mut out = openidconnect::http::Response::builder().status(res.status());
            for (k, v) in res.headers() {
                out = out.header(k, v);
            }
            let mut body = Vec::new();
            while let Some(chunk) = res.chunk().await? {
                if body.len() + chunk.len() > RESPONSE_MAX {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(out.body(body)?)
        })
    }
}

/// An error and its causes on one line, for logs and the settings page.
pub(super) fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

/// Fetches the provider's metadata and signing keys.
pub(super) async fn discover(http: &Http, issuer: &str) -> Result<CoreProviderMetadata, String> {
    let url = IssuerUrl::new(issuer.to_string()).map_err(|e| describe(&e))?;
    CoreProviderMetadata::discover_async(url, http)
        .await
        .map_err(|e| describe(&e))
}

pub(super) fn client(
    state: &AppState,
    s: &OidcSettings,
    meta: CoreProviderMetadata,
) -> AppResult<OidcClient> {
    let redirect = RedirectUrl::new(format!("{}{CALLBACK_PATH}", state.config.base_url))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(OidcClient::from_provider_metadata(
        meta,
        ClientId::new(s.client_id.clone()),
        s.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect))
}
