{"require": "lodash", "import": ["yaml"]}
