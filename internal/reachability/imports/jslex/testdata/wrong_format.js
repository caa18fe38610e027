# This is Python, not JavaScript.
import os
from yaml import load
print(f"{os.getcwd()} isn't JavaScript")
