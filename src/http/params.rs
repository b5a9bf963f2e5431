//! Query-string parameters, parsed by hand so that repeated facet filters
//! (`town=Kadaň&town=Krupka`) work and every error names its parameter.

use std::borrow::Cow;

use crate::search::{
    DEFAULT_LIMIT, DEFAULT_SUGGESTIONS, Filters, MAX_LIMIT, MAX_OFFSET, MAX_SUGGESTIONS,
    check_query,
};

use super::error::ApiError;

/// The decoded pairs of a query string, in order: borrowed from it where
/// nothing needed decoding (every name, and most values), since each
/// pair's strings are copied again where a request keeps them.
pub struct Params<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Params<'a> {
    pub fn parse(raw: Option<&'a str>) -> Self {
        Params(form_urlencoded::parse(raw.unwrap_or("").as_bytes()).collect())
    }

    /// The last value of `name`, as browsers send the last one of a form.
    pub fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| &**v)
    }

    /// Every non-empty value of a repeatable parameter.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_ref().to_owned())
            .collect()
    }

    pub fn text(&self, name: &str) -> String {
        self.one(name).unwrap_or("").to_owned()
    }

    /// The text of `name`, a query's, at most [`MAX_QUERY_CHARS`] long: an
    /// error names `name`, where the search would name the request's field.
    ///
    /// [`MAX_QUERY_CHARS`]: crate::search::MAX_QUERY_CHARS
    pub fn query_text(&self, name: &'static str) -> Result<String, ApiError> {
        let text = self.text(name);
        check_query(&text, name)?;
        Ok(text)
    }

    /// A whole number in `min..=max`, `default` when absent or empty.
    pub fn number(
        &self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ApiError> {
        let Some(raw) = self.one(name).map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(default);
        };
        match raw.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid(
                name,
                format!("{name} must be a whole number from {min} to {max}, got {raw:?}"),
            )),
        }
    }

    pub fn filters(&self) -> Result<Filters, ApiError> {
        let year = match self.one("year").map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(raw) => Some(
                raw.parse::<u16>()
                    .ok()
                    .filter(|y| (1900..=2200).contains(y))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "year",
                            format!("year must be a year such as 2012, got {raw:?}"),
                        )
                    })?,
            ),
        };
        Ok(Filters {
            town: self.all("town"),
            period: self.all("period"),
            category: self.all("category"),
            region: self.all("region"),
            year,
        })
    }

    pub fn limit(&self) -> Result<usize, ApiError> {
        self.number("limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
    }

    pub fn offset(&self) -> Result<usize, ApiError> {
        self.number("offset", 0, 0, MAX_OFFSET)
    }

    pub fn suggestion_limit(&self) -> Result<usize, ApiError> {
        self.number("limit", DEFAULT_SUGGESTIONS, 1, MAX_SUGGESTIONS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_filters_and_numbers() {
        let p = Params::parse(Some(
            "q=prostupn%C3%A9&town=Kada%C5%88&town=Krupka&limit=5&year=2012",
        ));
        assert_eq!(p.text("q"), "prostupné");
        let f = p.filters().unwrap();
        assert_eq!(f.town, ["Kadaň", "Krupka"]);
        assert_eq!(f.year, Some(2012));
        assert_eq!(p.limit().unwrap(), 5);
        assert_eq!(p.offset().unwrap(), 0);
    }

    #[test]
    fn bad_numbers_name_the_parameter() {
        for (raw, parameter) in [
            ("limit=abc", "limit"),
            ("limit=1000", "limit"),
            ("offset=-1", "offset"),
            ("year=dva", "year"),
        ] {
            let p = Params::parse(Some(raw));
            let error = p
                .limit()
                .and(p.offset())
                .and(p.filters().map(|_| 0))
                .unwrap_err();
            match error {
                ApiError::InvalidParameter {
                    parameter: name,
                    message,
                } => {
                    assert_eq!(name, parameter);
                    assert!(message.starts_with(parameter), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
