dependencies:
  - import: yaml
  - from: lodash
