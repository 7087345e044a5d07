//! Extractors whose failures answer problem+json like every other API error, never axum's
//! plain-text rejections.
use crate::auth::Auth;
use crate::error::{ApiError, AppError};
use crate::state::WebState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Path, Query, Request};
use axum::http::request::Parts;
use embarq_domain::validate::FieldError;
use embarq_domain::{FromUuid, Id, parse_id};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The signed-in person (session cookie or personal access token); 401 problem otherwise.
pub struct ApiAuth(pub Auth);

impl FromRequestParts<WebState> for ApiAuth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &WebState,
    ) -> Result<Self, Self::Rejection> {
        Auth::from_request_parts(parts, state)
            .await
            .map(ApiAuth)
            .map_err(|e| ApiError(e.0))
    }
}

fn body_error(code: &'static str) -> ApiError {
    ApiError(FieldError::new("body", code).into())
}

fn json_error(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => body_error("not_json"),
        JsonRejection::BytesRejection(_) => body_error("unreadable"),
        _ => body_error("invalid_json"),
    }
}

/// A JSON body; malformed JSON, wrong types and a missing `Content-Type: application/json`
/// answer 422 with a `body` field error. Objects must be JSON objects: serde would otherwise
/// take an array for a struct (`[null, null]` as the first two fields), which the OpenAPI
/// document does not allow.
pub struct ApiJson<T>(pub T);

fn strict_json<T: DeserializeOwned>(v: &Value) -> Result<T, ApiError> {
    T::deserialize(strict::Strict(v)).map_err(|_| body_error("invalid_json"))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(v) = <Json<Value> as FromRequest<S>>::from_request(req, state)
            .await
            .map_err(json_error)?;
        strict_json(&v).map(ApiJson)
    }
}

/// An optional JSON body: absent when the request has no `Content-Type`.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let v = <Json<Value> as OptionalFromRequest<S>>::from_request(req, state)
            .await
            .map_err(json_error)?;
        match v {
            Some(Json(v)) => strict_json(&v).map(|t| Some(ApiJson(t))),
            None => Ok(None),
        }
    }
}

/// A deserializer over a parsed JSON value that, unlike `serde_json::Value`'s, only takes
/// objects for structs and maps and only arrays for sequences, at every depth.
pub mod strict {
    use serde::de::value::BorrowedStrDeserializer;
    use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Unexpected, Visitor};
    use serde_json::{Error, Value};

    pub struct Strict<'a>(pub &'a Value);

    fn unexpected(v: &Value) -> Unexpected<'_> {
        match v {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(_) => Unexpected::Other("number"),
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }

    struct Seq<'a>(std::slice::Iter<'a, Value>);

    impl<'de> de::SeqAccess<'de> for Seq<'de> {
        type Error = Error;
        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Error> {
            self.0
                .next()
                .map(|v| seed.deserialize(Strict(v)))
                .transpose()
        }
        fn size_hint(&self) -> Option<usize> {
            Some(self.0.len())
        }
    }

    struct Map<'a> {
        iter: serde_json::map::Iter<'a>,
        value: Option<&'a Value>,
    }

    impl<'de> de::MapAccess<'de> for Map<'de> {
        type Error = Error;
        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            match self.iter.next() {
                Some((k, v)) => {
                    self.value = Some(v);
                    seed.deserialize(BorrowedStrDeserializer::<Error>::new(k))
                        .map(Some)
                }
                None => Ok(None),
            }
        }
        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            match self.value.take() {
                Some(v) => seed.deserialize(Strict(v)),
                None => Err(de::Error::custom("value without a key")),
            }
        }
        fn size_hint(&self) -> Option<usize> {
            Some(self.iter.len())
        }
    }

    impl<'de> Strict<'de> {
        fn seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Array(a) => visitor.visit_seq(Seq(a.iter())),
                other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
            }
        }
        fn map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Object(m) => visitor.visit_map(Map {
                    iter: m.iter(),
                    value: None,
                }),
                other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
            }
        }
    }

    macro_rules! scalar {
        ($($method:ident)*) => {
            $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.0.$method(visitor)
            })*
        };
    }

    /// JSON Schema counts `29.0` as an integer: integers read integral floats too.
    macro_rules! integer {
        ($($method:ident)*) => {
            $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                match self.0.as_f64().filter(|_| self.0.is_f64()) {
                    Some(f) if f.fract() == 0.0 && (0.0..1.8e19).contains(&f) => {
                        visitor.visit_u64(f as u64)
                    }
                    Some(f) if f.fract() == 0.0 && (-9.2e18..0.0).contains(&f) => {
                        visitor.visit_i64(f as i64)
                    }
                    _ => self.0.$method(visitor),
                }
            })*
        };
    }

    impl<'de> Deserializer<'de> for Strict<'de> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Array(_) => self.seq(visitor),
                Value::Object(_) => self.map(visitor),
                other => other.deserialize_any(visitor),
            }
        }

        integer!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_u8
            deserialize_u16 deserialize_u32 deserialize_u64);

        scalar!(deserialize_bool deserialize_i128 deserialize_u128 deserialize_f32 deserialize_f64
            deserialize_char deserialize_str
            deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
            deserialize_identifier deserialize_ignored_any);

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => visitor.visit_none(),
                _ => visitor.visit_some(self),
            }
        }

        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.0.deserialize_unit_struct(name, visitor)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Error> {
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.seq(visitor)
        }

        fn deserialize_tuple<V: Visitor<'de>>(
            self,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.seq(visitor)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _len: usize,
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.seq(visitor)
        }

        fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.map(visitor)
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            self.map(visitor)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Error> {
            match self.0 {
                Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
                other => other.deserialize_enum(name, variants, visitor),
            }
        }
    }
}

/// A raw body (CSV uploads).
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|_| body_error("unreadable"))
    }
}

/// Query parameters; values of the wrong type answer 422 with a `query` field error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|_| ApiError(FieldError::new("query", "invalid_parameter").into()))
    }
}

/// Identifiers taken from the path, in order.
pub trait PathIds: Sized {
    fn from_ids(ids: &[Id]) -> Option<Self>;
}

macro_rules! one_path_id {
    ($($t:ty),*) => {$(
        impl PathIds for $t {
            fn from_ids(ids: &[Id]) -> Option<Self> {
                match ids {
                    [id] => Some(<$t>::from_uuid(*id)),
                    _ => None,
                }
            }
        }
    )*};
}
one_path_id!(Id, embarq_domain::UserId, embarq_domain::SphereId);

impl<A: FromUuid, B: FromUuid> PathIds for (A, B) {
    fn from_ids(ids: &[Id]) -> Option<Self> {
        match ids {
            [a, b] => Some((A::from_uuid(*a), B::from_uuid(*b))),
            _ => None,
        }
    }
}

/// Path identifiers parsed with [`parse_id`]; anything malformed is an unknown resource (404).
pub struct ApiPath<T>(pub T);

impl<T: PathIds, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<Vec<String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(AppError::NotFound))?;
        let ids: Option<Vec<Id>> = raw.iter().map(|s| parse_id(s)).collect();
        ids.as_deref()
            .and_then(T::from_ids)
            .map(ApiPath)
            .ok_or(ApiError(AppError::NotFound))
    }
}
