//! One error type for every endpoint, so every failure has the same JSON
//! shape and the status logic lives in one `match`.

use axum::Json;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::search::SearchError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query parameter is malformed or out of range; the message names it.
    #[error("{message}")]
    InvalidParameter { parameter: String, message: String },
    #[error("{0}")]
    NotFound(String),
    /// The route exists, not with this method; the `Allow` header says
    /// which it has.
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// The data cannot be indexed; every problem as `file:line: message`.
    #[error("the data has {} problem(s)", .0.len())]
    InvalidData(Vec<String>),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(parameter: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidParameter {
            parameter: parameter.to_owned(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::InvalidData(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_data"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::InvalidParameter { parameter, message } => ApiError::InvalidParameter {
                parameter: parameter.to_owned(),
                message,
            },
            SearchError::NotFound(message) => ApiError::NotFound(message),
            SearchError::Internal(message) => ApiError::Internal(message),
        }
    }
}

/// A path segment axum could not read (`/measures/%FF` is not UTF-8 once
/// decoded): the segment's parameter at fault, in the API's shape instead
/// of axum's plain text.
impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        let PathRejection::FailedToDeserializePathParams(failed) = &rejection else {
            return ApiError::Internal(rejection.body_text());
        };
        let parameter = match failed.kind() {
            ErrorKind::InvalidUtf8InPathParam { key }
            | ErrorKind::ParseErrorAtKey { key, .. }
            | ErrorKind::DeserializeError { key, .. } => key.clone(),
            _ => "path".to_owned(),
        };
        ApiError::InvalidParameter {
            parameter,
            message: rejection.body_text(),
        }
    }
}

/// The body of every error: `{"error": {"code": …, "message": …}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid_parameter`, `not_found`, `method_not_allowed`,
    /// `unauthorized`, `forbidden`, `conflict`, `invalid_data` or
    /// `internal`.
    #[schema(example = "invalid_parameter")]
    pub code: String,
    pub message: String,
    /// For `invalid_parameter`: the parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// For `invalid_data`: every problem as `file:line: message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<String>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let message = self.to_string();
        let (parameter, problems) = match self {
            ApiError::InvalidParameter { parameter, .. } => (Some(parameter), None),
            ApiError::InvalidData(problems) => (None, Some(problems)),
            _ => (None, None),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                parameter,
                problems,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert("www-authenticate", "Bearer".parse().expect("static header"));
        }
        response
    }
}
