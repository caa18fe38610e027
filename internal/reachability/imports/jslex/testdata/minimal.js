import x from "lodash";
