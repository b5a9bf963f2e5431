// A multi-select disjunctive refinement round trip with the real Algolia
// JavaScript client and algoliasearch-helper (the engine of InstantSearch),
// pointed at an opatreni server. Prints one JSON object per search.
//
// Usage: node roundtrip.js http://127.0.0.1:PORT
'use strict';

const algoliasearch = require('algoliasearch');
const algoliasearchHelper = require('algoliasearch-helper');

const base = new URL(process.argv[2]);
const client = algoliasearch('opatreni', 'no-key-needed', {
  hosts: [{ url: base.host, protocol: base.protocol.replace(':', '') }],
});

const helper = algoliasearchHelper(client, 'measures', {
  disjunctiveFacets: ['town', 'category'],
  facets: ['period'],
  hitsPerPage: 50,
});

function summary(result) {
  return {
    query: result.query,
    nbHits: result.nbHits,
    hits: result.hits.map((hit) => ({
      id: hit.objectID,
      towns: hit.towns,
      highlight: hit._highlightResult.text.value,
    })),
    town: result.getFacetValues('town', { sortBy: ['name:asc'] }).map((v) => ({
      name: v.name, count: v.count, refined: v.isRefined,
    })),
    category: result.getFacetValues('category', { sortBy: ['name:asc'] }).map((v) => ({
      name: v.name, count: v.count, refined: v.isRefined,
    })),
  };
}

async function search() {
  return new Promise((resolve, reject) => {
    helper.once('result', ({ results }) => resolve(summary(results)));
    helper.once('error', ({ error }) => reject(error));
    helper.search();
  });
}

(async () => {
  helper.setQuery('prostupne bydleni');
  const plain = await search();
  helper.addDisjunctiveFacetRefinement('town', 'Kadaň');
  helper.addDisjunctiveFacetRefinement('town', 'Jirkov');
  const refined = await search();
  helper.addDisjunctiveFacetRefinement('category', 'bydleni');
  const twoFacets = await search();
  console.log(JSON.stringify({ plain, refined, twoFacets }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
