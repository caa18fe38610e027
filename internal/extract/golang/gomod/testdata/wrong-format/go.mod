{
  "name": "not-a-go-module",
  "version": "1.0.0",
  "dependencies": {
    "left-pad": "^1.3.0"
  }
}
