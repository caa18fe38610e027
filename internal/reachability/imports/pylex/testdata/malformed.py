import requests
s = "unterminated
from flask import Flask
t = '''never closed
import notme
