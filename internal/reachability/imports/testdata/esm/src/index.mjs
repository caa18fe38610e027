import _ from "lodash";
import * as fp from "lodash/fp";
import "side-effect-pkg";
export { format } from "date-fns/format";
import fs from "node:fs";
import path from "path";
import local from "./local.mjs";

const re = /import "regexed"/;
const ratio = fs.size / path.sep / 2;
export const render = (s) => _.template(s)(local);
