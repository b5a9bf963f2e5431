//! One error type for every endpoint, so every failure has the same JSON
//! shape and the status logic lives in one `match`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::search::SearchError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query parameter is malformed or out of range; the message names it.
    #[error("{message}")]
    InvalidParameter { parameter: String, message: String },
    #[error("{0}")]
    NotFound(String),
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

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut error = json!({ "code": code, "message": self.to_string() });
        match &self {
            ApiError::InvalidParameter { parameter, .. } => error["parameter"] = json!(parameter),
            ApiError::InvalidData(problems) => error["problems"] = json!(problems),
            _ => {}
        }
        let mut response = (status, Json(json!({ "error": error }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert("www-authenticate", "Bearer".parse().expect("static header"));
        }
        response
    }
}
