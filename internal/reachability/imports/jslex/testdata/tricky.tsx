// Imports the lexer must find, and text that only looks like imports.
import React, { useState, type FC } from "react";
import type { Config } from "webpack";
import { type A, type B } from "only-types";
import * as fp from "lodash/fp";
export { merge as deepMerge } from "@scope/utils/merge";
export type { Options } from "typed-only";
import fs = require("fs");

const re = /require\("regex-not-import"\)/g;         // a regex literal
const ratio = total / count / require("division-ok"); // division, then a real require
const t = `require('template-text') ${require("in-substitution")} ${`nested ${`deeper`}`}`;
/* import "block-comment"; */
// require("line-comment")
const s = 'import x from "string-text"';
if (ok) /"quote-in-regex/.test(s);
const g = <T,>(x: T) => x;   // a generic arrow function, not JSX

export const App: FC = () => {
  const [n] = useState(0);
  return (
    <div className="a" title='say "require(x)"'>
      Don't require("jsx-text") here // not a comment in JSX
      {n > 1 ? <b>{require("jsx-expression")}</b> : null}
    </div>
  );
};
const later = await import("dynamic-literal");
const lazy = import(`./locale/${lang}.js`);
fp.map(String);
