//! The plumbing shared by every filter that only rewrites a token's text.
//!
//! Lowercasing, folding and stemming change the text of a token and nothing
//! else: offsets must keep pointing into the original text, because
//! highlighting cuts `<mark>` spans with them, and positions must not move,
//! because phrase queries compare them. Stating that guarantee once, here,
//! keeps each stage file about its own rule.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// A rule that rewrites the text of one token in place.
pub trait Rewrite: Clone + Send + Sync + 'static {
    /// Rewrites `text`; called once per token, in token order.
    fn rewrite(&self, text: &mut String);
}

/// The [`Tokenizer`] a rewriting filter turns its inner tokenizer into.
#[derive(Clone)]
pub struct RewriteTokenizer<R, T> {
    rule: R,
    inner: T,
}

impl<R, T> RewriteTokenizer<R, T> {
    pub(crate) fn new(rule: R, inner: T) -> Self {
        RewriteTokenizer { rule, inner }
    }
}

impl<R: Rewrite, T: Tokenizer> Tokenizer for RewriteTokenizer<R, T> {
    type TokenStream<'a> = RewriteTokenStream<'a, R, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RewriteTokenStream {
            rule: &self.rule,
            tail: self.inner.token_stream(text),
        }
    }
}

/// The token stream of a [`RewriteTokenizer`].
pub struct RewriteTokenStream<'a, R, S> {
    rule: &'a R,
    tail: S,
}

impl<R: Rewrite, S: TokenStream> TokenStream for RewriteTokenStream<'_, R, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        self.rule.rewrite(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}
