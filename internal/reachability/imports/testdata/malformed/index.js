import a from "lodash";
const s = `never closed ${a}
