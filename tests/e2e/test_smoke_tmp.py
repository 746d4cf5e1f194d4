import requests
def test_up(stack):
    r = requests.get(stack.gateway_url + "/readyz")
    print(r.text, stack.logdir)
    assert r.status_code == 200
