'use strict';
const qs = require('qs');
const semver = require('semver');
const debug = require('debug')('query-helper');

// buildQuery serialises request parameters; a null parameter is sent
// empty ("q="), which the API reads as "clear this filter".
function buildQuery(params) {
  const query = qs.stringify(params);
  debug('query %s', query);
  return query;
}

// parseQuery reads a query string back into parameters.
function parseQuery(query) {
  return qs.parse(query);
}

// supported reports whether a server version speaks API v4.
function supported(serverVersion) {
  return semver.satisfies(serverVersion, '>=4.0.0 <5.0.0');
}

module.exports = { buildQuery, parseQuery, supported };
