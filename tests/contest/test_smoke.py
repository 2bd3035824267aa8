def test_home_page_is_vietnamese(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="vi"' in html
    assert "Chưa có cuộc thi nào" in html or "Các cuộc thi" in html
