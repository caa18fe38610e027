'use strict';
const assert = require('assert');
const { buildQuery, parseQuery, supported } = require('./index');

assert.strictEqual(buildQuery({ page: 2, sort: 'name' }), 'page=2&sort=name');
assert.strictEqual(buildQuery({ page: 1, q: null }), 'page=1&q=');
assert.deepStrictEqual(parseQuery('tags[]=a&tags[]=b'), { tags: ['a', 'b'] });
assert.ok(supported('4.2.1'));
assert.ok(!supported('5.0.0'));
console.log('ok');
