import React, { useState } from "react";
import type { Configuration } from "webpack";

// import "commented";
/* require("commented") */
const help = `Load it with require('templated') when needed`;

export function App(props: { config: Configuration }) {
  const [n, setN] = useState(0);
  return (
    <button onClick={() => setN(n + 1)}>
      Don't import "jsx-text" — {help}
    </button>
  );
}
