import yaml
from google.cloud import storage
from pythonjsonlogger import jsonlogger
import oldmod
