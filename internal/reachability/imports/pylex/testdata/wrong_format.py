// This is JavaScript, not Python.
import React from "react";
const x = require('lodash');
const s = `it's ${x}`;
