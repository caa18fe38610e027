import a from "a";
const s = `unterminated ${ require("b") }
